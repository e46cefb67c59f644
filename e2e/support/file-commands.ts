/**
 * Parses a GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV file like the runner does: `name=value`
 * lines and the heredoc form `name<<DELIM` ... `DELIM`. Later entries win.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      result[line.slice(0, eq)] = line.slice(eq + 1);
      continue;
    }
    if (heredoc <= 0) throw new Error(`Invalid file command line ${String(i + 1)}: ${line}`);
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    const end = lines.indexOf(delimiter, i + 1);
    if (delimiter === '' || end < 0) {
      throw new Error(`Matching delimiter not found '${delimiter}' for ${name}`);
    }
    result[name] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return result;
}

/** GITHUB_PATH: one directory a line. */
export const parsePathFile = (text: string): string[] =>
  text.split('\n').filter((line) => line.trim() !== '');
