export type Phase = 'main' | 'post';
export type Stream = 'stdout' | 'stderr';

export interface WorkflowCommand {
  phase: Phase;
  stream: Stream;
  name: string;
  properties: Record<string, string>;
  message: string;
}

const COMMAND_RE = /^::([A-Za-z][\w-]*)(?: ([^:]*))?::(.*)$/;
const unescapeData = (s: string) =>
  s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
const unescapeProperty = (s: string) =>
  unescapeData(s.replaceAll('%3A', ':').replaceAll('%2C', ','));
const deprecated = (name: string) =>
  `Warning: The \`${name}\` command is deprecated and will be disabled soon. Please upgrade to ` +
  'using Environment Files. For more information see: https://github.blog/changelog/' +
  '2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/';

/** The older form the runner still reads anywhere in a line: `##[name key=value;…]data`. */
const LEGACY_RE = /##\[([A-Za-z][\w-]*)(?: ([^\]]*))?\](.*)$/;
const LEGACY_NAMES = new Set([
  'add-mask',
  'set-output',
  'save-state',
  'set-env',
  'add-path',
  'warning',
  'error',
  'debug',
  'stop-commands',
  'group',
  'endgroup',
]);

export function parseCommand(line: string): Omit<WorkflowCommand, 'phase' | 'stream'> | undefined {
  const m = COMMAND_RE.exec(line.trimStart());
  if (!m) {
    const legacy = LEGACY_RE.exec(line);
    if (!legacy || !LEGACY_NAMES.has(legacy[1] ?? '')) return undefined;
    const properties: Record<string, string> = {};
    for (const pair of (legacy[2] ?? '').split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeData(pair.slice(eq + 1));
    }
    return { name: legacy[1] ?? '', properties, message: unescapeData(legacy[3] ?? '') };
  }
  const properties: Record<string, string> = {};
  for (const pair of (m[2] ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
  }
  return { name: m[1] ?? '', properties, message: unescapeData(m[3] ?? '') };
}

/**
 * Processes an action's output lines in the order the runner sees them: collects workflow
 * commands, renders the log a user sees (masks as ***), and flags secrets printed unmasked.
 */
export class LogProcessor {
  readonly commands: WorkflowCommand[] = [];
  readonly rendered: string[] = [];
  readonly leaks: string[] = [];
  readonly masks = new Set<string>();
  /** Values set through the deprecated set-output / save-state commands. */
  readonly legacy = { outputs: {} as Record<string, string>, state: {} as Record<string, string> };
  private stopToken: string | undefined;
  private readonly secrets: string[];
  private readonly debug: boolean;

  constructor(secrets: readonly string[], debug: boolean) {
    this.secrets = secrets.filter((s) => s !== '');
    this.debug = debug;
  }

  mask(text: string): string {
    const masks = [...this.masks].sort((a, b) => b.length - a.length);
    return masks.reduce((out, m) => out.replaceAll(m, '***'), text);
  }

  /** Flags secrets present in `text` that are not masked (yet). */
  scan(where: string, text: string): void {
    this.secrets.forEach((secret, i) => {
      if (text.includes(secret) && !this.masks.has(secret)) {
        this.leaks.push(`${where}: secret #${String(i)} appears unmasked`);
      }
    });
  }

  line(phase: Phase, stream: Stream, raw: string): void {
    const where = `${phase} ${stream}`;
    if (this.stopToken !== undefined) {
      if (raw.trim() === `::${this.stopToken}::`) this.stopToken = undefined;
      else this.print(where, raw);
      return;
    }
    const cmd = parseCommand(raw);
    if (!cmd) {
      this.print(where, raw);
      return;
    }
    this.commands.push({ phase, stream, ...cmd });
    if (cmd.name === 'add-mask') {
      if (cmd.message.trim() !== '') this.masks.add(cmd.message.trim());
      return;
    }
    this.scan(where, raw);
    this.render(cmd, raw);
  }

  private print(where: string, text: string): void {
    this.scan(where, text);
    this.rendered.push(this.mask(text));
  }

  private render(cmd: Omit<WorkflowCommand, 'phase' | 'stream'>, raw: string): void {
    const out = (text: string) => this.rendered.push(this.mask(text));
    const { name, message, properties } = cmd;
    const title = properties.title ? `${properties.title}: ` : '';
    if (name === 'error') out(`Error: ${title}${message}`);
    else if (name === 'warning') out(`Warning: ${title}${message}`);
    else if (name === 'notice') out(`Notice: ${title}${message}`);
    else if (name === 'debug' && this.debug) out(`##[debug]${message}`);
    else if (name === 'group') out(`▶ ${message}`);
    else if (name === 'stop-commands') this.stopToken = message;
    else if (name === 'set-output' || name === 'save-state') {
      const bag = name === 'set-output' ? this.legacy.outputs : this.legacy.state;
      bag[properties.name ?? ''] = message;
      out(deprecated(name));
    } else if (name === 'set-env' || name === 'add-path') {
      out(`Error: Unable to process command '::${name}' successfully.`);
      out(`Error: The \`${name}\` command is disabled.`);
    } else if (!['debug', 'endgroup', 'echo'].includes(name) && !name.startsWith('e2e-')) {
      // e2e-* lines come from the tests' own exec trace (exec-trace.ts), not from the action.
      out(raw);
    }
  }
}
