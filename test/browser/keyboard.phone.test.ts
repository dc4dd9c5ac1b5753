import { keyboardSuite } from './keyboard-suite.ts';

// Issue 7: the wizard and the challenge with the keyboard alone.
keyboardSuite({ width: 390, height: 844 });
