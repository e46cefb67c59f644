// Entry point of the credential helper of `credential-helper: true` (dist/helper).
import { helper } from './helper.ts';

process.exitCode = await helper(process.argv.slice(2));
