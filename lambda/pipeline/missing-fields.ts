/**
 * The fields each appliance was last reported to lack. An appliance on older firmware lacks the same fields every
 * minute: they are reported when they first go missing and whenever the set changes, not on every run.
 */
export class MissingFieldsReported {
  private readonly lastReported = new Map<string, string>();

  /** True when `missing` is not empty and not what was last reported for `appliance` (it is then remembered). */
  isNews(appliance: string, missing: readonly string[]): boolean {
    const key = missing.join(',');
    if (key === '' || this.lastReported.get(appliance) === key) return false;
    this.lastReported.set(appliance, key);
    return true;
  }
}
