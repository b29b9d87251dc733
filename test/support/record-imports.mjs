// Loaded with `node --import`: records every module URL the process resolves into the file named
// by JIT_TEST_IMPORTS_FILE, so a test can assert what a command did NOT load (e.g. no cloud SDK).
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url, {
  data: { file: process.env.JIT_TEST_IMPORTS_FILE },
});
