// Node, Deno and Bun: import simdnet by its package name (the host's export condition picks the entry)
// and print the script's result as JSON.
import * as sn from 'simdnet';
import { run } from './script.mjs';

console.log(JSON.stringify(await run(sn)));
