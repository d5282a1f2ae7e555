#!/usr/bin/env node
import { main } from './main.js';

// A reader that stops early (`driftwatch detectors list | head`) is not a failure of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

// The command is done: a client a library left running (a consumer that restarts after an error)
// must not keep the process alive, in the group and holding partitions. Unref'd: a process with
// nothing left to do exits at once as before; output still being written has 5 s.
setTimeout(() => process.exit(process.exitCode ?? 0), 5_000).unref();
