import { describe, expect, it } from 'vitest';
import { JitError } from '../../../src/core/errors.js';
import { DEFAULT_IP_SERVICES, parseServiceBody, parseServiceUrls } from '../../../src/ip/services.js';

function refusal(text: string): JitError {
  try {
    parseServiceUrls(text, 'JIT_IP_URLS');
  } catch (error) {
    if (error instanceof JitError) return error;
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseServiceUrls', () => {
  it.each([
    ['https://api.ipify.org', ['https://api.ipify.org']],
    ['https://1.1.1.1/cdn-cgi/trace', ['https://1.1.1.1/cdn-cgi/trace']],
    ['http://127.0.0.1:8080/ip', ['http://127.0.0.1:8080/ip']],
    ['http://127.3.2.1', ['http://127.3.2.1']],
    ['http://[::1]:8080', ['http://[::1]:8080']],
    ['http://localhost', ['http://localhost']],
    ['http://LocalHost:9000/', ['http://LocalHost:9000/']],
    [' https://a.example , https://b.example ', ['https://a.example', 'https://b.example']],
    ['https://a.example,', ['https://a.example']],
    // One service listed twice must not count as two services agreeing.
    ['https://a.example,https://A.example/', ['https://a.example']],
  ])('accepts %j', (text, urls) => {
    expect(parseServiceUrls(text, 'JIT_IP_URLS')).toEqual(urls);
  });

  it.each([
    ['http://example.com', 'plain http to a non-loopback host'],
    ['http://10.0.0.1', 'plain http to a non-loopback host'],
    ['http://[::2]', 'plain http to a non-loopback host'],
    ['http://localhost.example.com', 'plain http to a non-loopback host'],
    ['ftp://127.0.0.1/ip', 'uses ftp, not https'],
    ['not a url', 'is not a valid URL'],
    ['api.ipify.org', 'is not a valid URL'],
    ['https://a.example,http://b.example', 'plain http to a non-loopback host'],
    ['', 'lists no service'],
    [' , ', 'lists no service'],
  ])('refuses %j', (text, why) => {
    const error = refusal(text);
    expect(error.code).toBe('JIT_INVALID_IP_SERVICE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('JIT_IP_URLS');
    expect(error.message).toContain(why);
    expect(error.message).toContain('https://');
  });

  it('names the flag it was given', () => {
    expect(() => parseServiceUrls('http://example.com', 'ip.services')).toThrow(/^ip\.services: /);
  });

  it('accepts its own defaults', () => {
    expect(parseServiceUrls(DEFAULT_IP_SERVICES.join(','), 'ip.services')).toEqual(DEFAULT_IP_SERVICES);
  });
});

describe('parseServiceBody', () => {
  it.each([
    ['8.8.4.4', { family: 4, address: '8.8.4.4' }],
    ['8.8.4.4\n', { family: 4, address: '8.8.4.4' }],
    ['  1.0.0.1\r\n', { family: 4, address: '1.0.0.1' }],
    ['2606:4700:4700:0:0:0:0:1111\n', { family: 6, address: '2606:4700:4700::1111' }],
    [
      'fl=29f1\nh=1.1.1.1\nip=8.8.4.4\nts=1700000000.1\nvisit_scheme=https\n',
      { family: 4, address: '8.8.4.4' },
    ],
    ['h=1.1.1.1\r\nip=2606:4700:4700::1001\r\n', { family: 6, address: '2606:4700:4700::1001' }],
    // Private or not is for the detector to judge: the parser only reads.
    ['10.0.0.1', { family: 4, address: '10.0.0.1' }],
  ])('reads %j', (body, expected) => {
    expect(parseServiceBody(body)).toEqual(expected);
  });

  it.each([
    '',
    '<html><body>Log in to the hotel Wi-Fi</body></html>',
    '8.8.4.4 8.8.8.8',
    '8.8.4',
    '010.0.0.1',
    'fe80::1%eth0',
    'h=1.1.1.1\nip=\n',
    'h=1.1.1.1\nip=banana\n',
    'my ip=8.8.4.4',
  ])('finds no address in %j', (body) => {
    expect(parseServiceBody(body)).toBeUndefined();
  });
});
