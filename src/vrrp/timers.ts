// VRRP timer arithmetic (RFC 3768 §6.1, RFC 5798 §6.1), in milliseconds. Pure.
import type { VrrpVersion } from './types.js';

/**
 * Skew_Time. v2: (256 − Priority)/256 seconds, independent of the advert interval.
 * v3: ((256 − Priority) × Master_Adver_Interval)/256. keepalived uses 255 for the owner even while it
 * has dropped itself to 254 because of a second owner, so the caller passes the skew priority.
 */
export function skewMs(version: VrrpVersion, skewPriority: number, masterAdverIntMs: number): number {
  return version === 2 ? ((256 - skewPriority) * 1000) / 256 : ((256 - skewPriority) * masterAdverIntMs) / 256;
}

/**
 * Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time. The RFCs fix the
 * multiplier at 3; keepalived makes it configurable (`down_timer_adverts`, 1..100, default 3).
 */
export function masterDownMs(version: VrrpVersion, skewPriority: number, masterAdverIntMs: number, downTimerAdverts: number): number {
  return downTimerAdverts * masterAdverIntMs + skewMs(version, skewPriority, masterAdverIntMs);
}
