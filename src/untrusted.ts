import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';

/**
 * Prints a line of the log that carries text from outside — a CLI's output, a registry's or an
 * API's message — so that the runner reads no workflow command in it. Text that could hold one
 * (`::` for a command, `##[` for the older form) goes between `::stop-commands::<token>` and
 * `::<token>::`, GitHub's documented way, with a random token the text cannot know. It is one
 * write, so nothing the action prints itself (another login's `::add-mask::`) can fall inside.
 */
export function infoUntrusted(text: string): void {
  if (!text.includes('::') && !text.includes('##[')) {
    core.info(text);
    return;
  }
  const token = randomBytes(16).toString('hex');
  core.info(`::stop-commands::${token}\n${text}\n::${token}::`);
}
