/**
 * Test set-up (vitest setupFiles): the event loop of the test worker goes round once before every test.
 * vitest runs the synchronous tests of a file back to back without such a turn, so a file of CPU-heavy
 * synchronous tests on a busy machine would keep vitest's replies unread past its 60-second limit (see
 * test/support/event-loop.ts). A single test that works synchronously for long awaits nextLoopTurn itself.
 */
import { beforeEach } from 'vitest';
import { nextLoopTurn } from '../support/event-loop.js';

beforeEach(nextLoopTurn);
