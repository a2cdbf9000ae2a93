// Placeholder CLI, replaced by the foundation work (issue 2).
import { VERSION } from './version.js';
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('-v') || argv.includes('--version')) { console.log(`vipd v${VERSION}`); return 0; }
  console.error('vipd: not implemented yet');
  return 1;
}
