/**
 * `upstream:` (long form, `preserve_host`, `tls`) and `listen.tls`. Certificate and key
 * files are read and checked here, at load, so a missing file, a DER file or a key that does
 * not match its certificate is a positioned config error (exit 2) rather than a failed
 * handshake at the first request. A reload reads them again: that is how a rotated
 * listener certificate gets in (sidecar.ts).
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { KeyPath, Problems } from './positions.js';
import { asObject, asString, type RawObject } from './resolve-common.js';
import { Secret } from './secret.js';
import type { ListenerTls, PemFile, PemSecretFile, TlsVersion, UpstreamTls } from './types.js';

export const DEFAULT_TLS_MIN_VERSION: TlsVersion = 'TLSv1.2';

/** A public CA bundle is ~200 KiB; anything this large is not a certificate file. */
const MAX_PEM_BYTES = 4 * 1024 * 1024;

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** The file's text, or a problem at `path` saying why it cannot be read. */
function readPem(problems: Problems, path: KeyPath, file: string): string | undefined {
  try {
    if (statSync(file).size > MAX_PEM_BYTES) {
      problems.add(path, `${file} is larger than 4 MiB: not a PEM certificate or key file`);
      return undefined;
    }
    return readFileSync(file, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied (the sidecar must be able to read it)'
            : (err as Error).message;
    problems.add(path, `cannot read ${file}: ${why}`);
    return undefined;
  }
}

const DER_HINT = 'convert a DER file with `openssl x509 -inform der -in FILE -out FILE.pem`';

/** Every certificate of a PEM bundle, parsed; a problem and undefined when any is not one. */
function readCertificates(
  problems: Problems,
  path: KeyPath,
  file: string,
): { file: PemFile; certs: X509Certificate[] } | undefined {
  const pem = readPem(problems, path, file);
  if (pem === undefined) return undefined;
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    problems.add(path, `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); ${DER_HINT}`);
    return undefined;
  }
  const certs: X509Certificate[] = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      certs.push(new X509Certificate(blocks[i]!));
    } catch {
      problems.add(
        path,
        `${file}: certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate`,
      );
      return undefined;
    }
  }
  return { file: { path: file, pem }, certs };
}

function readKey(
  problems: Problems,
  path: KeyPath,
  file: string,
): { file: PemSecretFile; key: KeyObject } | undefined {
  const pem = readPem(problems, path, file);
  if (pem === undefined) return undefined;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    problems.add(path, `${file} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`);
    return undefined;
  }
  if (/ENCRYPTED/.test(pem)) {
    problems.add(
      path,
      `${file} is an encrypted key; store it unencrypted with mode 0600 (openssl pkey -in FILE -out FILE.key)`,
    );
    return undefined;
  }
  try {
    // Never the error's own text: it could quote key material.
    return { file: { path: file, pem: new Secret(pem) }, key: createPrivateKey(pem) };
  } catch {
    problems.add(path, `${file} is not a valid PEM private key`);
    return undefined;
  }
}

/** Certificate and key of one side, checked to belong together. */
function readPair(
  problems: Problems,
  at: KeyPath,
  o: RawObject,
): { cert: PemFile; key: PemSecretFile } | undefined {
  const certFile = asString(o.cert);
  const keyFile = asString(o.key);
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    const missing = certFile === undefined ? 'cert' : 'key';
    if (!problems.has([...at, missing]))
      problems.add(
        [...at, certFile === undefined ? 'key' : 'cert'],
        `${missing} is needed too (both or neither)`,
      );
    return undefined;
  }
  const cert = readCertificates(problems, [...at, 'cert'], certFile);
  const key = readKey(problems, [...at, 'key'], keyFile);
  if (cert === undefined || key === undefined) return undefined;
  if (!cert.certs[0]!.checkPrivateKey(key.key)) {
    problems.add([...at, 'key'], `${keyFile} is not the private key of the first certificate in ${certFile}`);
    return undefined;
  }
  return { cert: cert.file, key: key.file };
}

function minVersionOf(o: RawObject): TlsVersion {
  return o.min_version === 'TLSv1.3' ? 'TLSv1.3' : DEFAULT_TLS_MIN_VERSION;
}

/** What Node itself refuses in the assembled options, positioned at the `tls` key. */
function checkContext(
  problems: Problems,
  at: KeyPath,
  options: Parameters<typeof createSecureContext>[0],
): void {
  try {
    createSecureContext(options);
  } catch (err) {
    problems.add(at, `these TLS settings are refused by Node: ${(err as { code?: string }).code ?? 'error'}`);
  }
}

/** `upstream` as written: a string, or `{ url, preserve_host?, tls? }`. */
export function splitUpstream(raw: unknown): { url: unknown; urlPath: KeyPath; preserveHost: boolean } {
  const o = asObject(raw);
  if (!o) return { url: raw, urlPath: ['upstream'], preserveHost: false };
  return { url: o.url, urlPath: ['upstream', 'url'], preserveHost: o.preserve_host === true };
}

/** `upstream.tls`, once the origin is known ('' when it did not parse). */
export function resolveUpstreamTls(
  raw: unknown,
  origin: string,
  problems: Problems,
): UpstreamTls | undefined {
  const tls = asObject(asObject(raw)?.tls);
  if (!tls) return undefined;
  const at: KeyPath = ['upstream', 'tls'];
  // The schema already says "unknown key"; say why there is no such switch.
  for (const k of Object.keys(tls)) {
    if (/verify|insecure|reject|unauthori[sz]ed/i.test(k))
      problems.add(
        [...at, k],
        'certificate verification cannot be turned off; trust a private or self-signed CA with ca: FILE',
        { key: true },
      );
  }
  if (origin.startsWith('http:')) {
    problems.add(at, `TLS settings need an https upstream, not ${origin}`, { key: true });
    return undefined;
  }
  const servername = asString(tls.servername);
  if (servername !== undefined && !problems.has([...at, 'servername'])) {
    if (isIP(servername.replace(/^\[|\]$/g, '')) !== 0)
      problems.add(
        [...at, 'servername'],
        'SNI carries DNS names only (RFC 6066): leave servername out for an IP',
      );
    else if (!DNS_NAME.test(servername))
      problems.add([...at, 'servername'], `"${servername}" is not a DNS name (e.g. api.provider.example)`);
  }
  const caFile = asString(tls.ca);
  const ca = caFile === undefined ? undefined : readCertificates(problems, [...at, 'ca'], caFile);
  const pair = readPair(problems, at, tls);
  const minVersion = minVersionOf(tls);
  if (ca !== undefined || pair !== undefined)
    checkContext(problems, at, {
      ca: ca?.file.pem,
      cert: pair?.cert.pem,
      key: pair?.key.pem.reveal(),
      minVersion,
    });
  return {
    ca: ca?.file,
    cert: pair?.cert,
    key: pair?.key,
    servername: servername?.replace(/\.$/, ''),
    minVersion,
  };
}

/** `listen` as written: an address, or `{ address?, tls }`. */
export function splitListen(raw: unknown): { address: unknown; addressPath: KeyPath } {
  const o = asObject(raw);
  if (!o) return { address: raw, addressPath: ['listen'] };
  return { address: o.address, addressPath: ['listen', 'address'] };
}

export function resolveListenerTls(raw: unknown, problems: Problems): ListenerTls | undefined {
  const tls = asObject(asObject(raw)?.tls);
  if (!tls) return undefined;
  const at: KeyPath = ['listen', 'tls'];
  const pair = readPair(problems, at, tls);
  if (pair === undefined) return undefined;
  const minVersion = minVersionOf(tls);
  checkContext(problems, at, { cert: pair.cert.pem, key: pair.key.pem.reveal(), minVersion });
  return { cert: pair.cert, key: pair.key, minVersion };
}
