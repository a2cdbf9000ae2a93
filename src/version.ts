// One place for the version string printed by -v and reported by the API.
export const VERSION = '0.1.0';
export const KEEPALIVED_COMPAT = '2.2.7';
