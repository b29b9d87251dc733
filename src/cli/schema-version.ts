/**
 * The version of the --json vocabulary, in every document (docs/json.md, "Versions"): 2 since
 * grants carry `grantId`, policies are objects and times are whole seconds. Its own module: the
 * `--version --verbose --json` answer needs it before anything else is loaded.
 */
export const SCHEMA_VERSION = 2;
