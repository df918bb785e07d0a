// Placeholder while the handler is being built (issue 3); the contract is documented in README.md.
export async function handler(_event: unknown, _context: unknown): Promise<never> {
  throw new Error('not implemented yet');
}
