/**
 * Certificates made at test time with the `openssl` CLI (Debian's openssl package): two CAs
 * (the trusted one and a stranger), certificates signed by either, with the serial a test
 * chooses. EC P-256 keys: generating one takes milliseconds even on a loaded machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireTool } from '../helpers/tools.js';

export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly dir: string;
  /** The CA a test trusts, and one it does not. */
  readonly ca: Issued;
  readonly otherCa: Issued;
  /** A certificate signed by `by`: `serial` in hex, SANs such as `DNS:localhost`, `IP:127.0.0.1`. */
  issue(name: string, opts: { by: Issued; serial: string; san: string[]; client?: boolean }): Issued;
}

function run(openssl: string, args: string[]): void {
  execFileSync(openssl, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function read(certFile: string, keyFile: string): Issued {
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A fresh PKI in a temporary directory removed after the test; undefined when openssl is missing (skipped). */
export function makePki(t: TestContext): Pki | undefined {
  const openssl = requireTool(t, 'openssl', 'apt-get install openssl');
  if (openssl === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string): Issued => {
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}.key`);
    run(openssl, [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return read(certFile, keyFile);
  };
  const ca = makeCa('sloprobe-test-ca');
  const otherCa = makeCa('stranger-ca');
  return {
    dir,
    ca,
    otherCa,
    issue(name, opts) {
      const certFile = join(dir, `${name}.pem`);
      const keyFile = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const ext = join(dir, `${name}.ext`);
      writeFileSync(
        ext,
        `subjectAltName=${opts.san.join(',')}\nextendedKeyUsage=${opts.client ? 'clientAuth' : 'serverAuth'}\n`,
      );
      run(openssl, ['req', ...ec, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
      run(openssl, [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        opts.by.certFile,
        '-CAkey',
        opts.by.keyFile,
        '-set_serial',
        `0x${opts.serial}`,
        '-days',
        '2',
        '-extfile',
        ext,
        '-out',
        certFile,
      ]);
      return read(certFile, keyFile);
    },
  };
}
