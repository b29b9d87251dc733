// Fails every outgoing connection to anything but loopback (127.0.0.0/8, ::1, localhost), in this
// process and, through NODE_OPTIONS=--import, in the jit subprocesses tests start. Tests must
// never reach the internet or a cloud's instance-metadata endpoint.
import net from 'node:net';

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost|::ffff:127(\.\d{1,3}){3})$/i;

function hostOf(args) {
  const [first, second] = args;
  if (Array.isArray(first)) return hostOf(first);
  if (first !== null && typeof first === 'object') {
    if (typeof first.path === 'string') return undefined; // Unix socket: local by definition
    return first.host ?? 'localhost';
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // IPC path
  return typeof second === 'string' ? second : 'localhost';
}

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = hostOf(args);
  if (host !== undefined && !LOOPBACK.test(host)) {
    const error = new Error(`net-guard: tests may only connect to loopback, not ${host}`);
    error.code = 'JIT_TEST_NET_GUARD';
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return original.apply(this, args);
};

process.env.AWS_EC2_METADATA_DISABLED = 'true';
