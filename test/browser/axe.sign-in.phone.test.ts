import { axeSuite } from './a11y-suites.ts';

// Issue 7: axe-core finds no serious or critical violation on any page a person can reach.
axeSuite('sign-in', { width: 390, height: 844 });
