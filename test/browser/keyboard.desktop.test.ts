import { keyboardSuite } from './keyboard-suite.ts';

// Issue 7: the wizard and the challenge with the keyboard alone.
keyboardSuite({ width: 1280, height: 800 });
