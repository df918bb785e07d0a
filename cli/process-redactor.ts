/**
 * The CLI process's redactor: every password a command reads is registered here and scrubbed from everything it
 * prints. A command is one process, so this one object is its whole memory of them (the function has its own, in
 * its ContainerMemory).
 */
import { Redactor } from '../lambda/logger.js';

export const processRedactor = new Redactor();
