/** The ssh command line `jit ssh` runs: ssh's own defaults are left implicit (port 22, no -l). */
export interface SshTarget {
  address: string;
  port: number;
  user: string | undefined;
  /** Given after `--`, passed on as they are, before the destination. */
  extra: string[];
}

export function sshArgv({ address, port, user, extra }: SshTarget): string[] {
  return ['ssh', ...(user ? ['-l', user] : []), ...(port === 22 ? [] : ['-p', String(port)]), ...extra, address];
}
