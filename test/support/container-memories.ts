/**
 * Container memories a test creates, so that its afterEach can end (log out) the NITRO sessions they keep before it
 * counts the simulator's open sessions.
 */
import type { Redactor } from '../../lambda/logger.js';
import { type ContainerMemory, createContainerMemory, endNitroSessions } from '../../lambda/pipeline/container-memory.js';

export class ContainerMemories {
  private readonly created: ContainerMemory[] = [];

  create(parts: { readonly redactor?: Redactor } = {}): ContainerMemory {
    const memory = createContainerMemory(parts);
    this.created.push(memory);
    return memory;
  }

  /** Logs out every session the memories created since the last call keep, and closes their connections. */
  async endSessions(): Promise<void> {
    await Promise.all(this.created.splice(0).map(endNitroSessions));
  }
}
