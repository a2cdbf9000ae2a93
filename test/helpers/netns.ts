// The namespace lab lives in src/lab/ because `vipd demo` and the benchmarks use it too.
export * from '../../src/lab/netns.js';
