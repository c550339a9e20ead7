/** The one error `loadConfig` throws; `problems` has one line per missing or bad setting, each naming it. */
export class ConfigError extends Error {
  readonly code = 'MM_CONFIG_INVALID';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`Invalid configuration (${count}):\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
