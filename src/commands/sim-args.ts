// Argument parsing shared by the `hns-cni sim` subcommands: strict flags, and a usage error (exit status 2) for
// anything the parser refuses.
import { type ParseArgsConfig, parseArgs } from 'node:util';

export class UsageError extends Error {}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export function parse<const T extends OptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
