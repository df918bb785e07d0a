/**
 * Key material: a CA and a server certificate it signs, with SANs localhost, adc.simulator.test and 127.0.0.1.
 * Generated once per process (every simulator in a test file shares it), so starting a simulator is cheap.
 */
import { generate } from 'selfsigned';

export interface ServerKeyMaterial {
  /** PEM of the CA: what clients trust. */
  readonly caCertificate: string;
  /** PEM of the server certificate. */
  readonly certificate: string;
  /** PEM (PKCS#8) of the server certificate's key. */
  readonly privateKey: string;
}

export const SERVER_NAMES = ['localhost', 'adc.simulator.test'] as const;
export const SERVER_IP = '127.0.0.1';
const CA_COMMON_NAME = 'NITRO Simulator Test CA';
const VALIDITY_DAYS = 30;

let serverMaterial: Promise<ServerKeyMaterial> | undefined;
let untrustedCa: Promise<string> | undefined;

export function serverKeyMaterial(): Promise<ServerKeyMaterial> {
  serverMaterial ??= generateServerKeyMaterial().catch((error: unknown) => {
    serverMaterial = undefined; // let the next simulator try again
    throw error;
  });
  return serverMaterial;
}

/**
 * A CA that did not sign the server certificate. It has the same subject name as the real one, so a client that
 * trusts it can only fail on the signature, which is what a "wrong CA" test must prove.
 */
export function untrustedCaCertificate(): Promise<string> {
  untrustedCa ??= generateCa().then(
    (ca) => ca.cert,
    (error: unknown) => {
      untrustedCa = undefined;
      throw error;
    },
  );
  return untrustedCa;
}

async function generateServerKeyMaterial(): Promise<ServerKeyMaterial> {
  const ca = await generateCa();
  const leaf = await generate([{ name: 'commonName', value: SERVER_NAMES[0] }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity(),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...SERVER_NAMES.map((name) => ({ type: 2 as const, value: name })), { type: 7, ip: SERVER_IP }],
      },
    ],
  });
  return { caCertificate: ca.cert, certificate: leaf.cert, privateKey: leaf.private };
}

function generateCa() {
  return generate([{ name: 'commonName', value: CA_COMMON_NAME }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity(),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
}

/** From a day ago (clock skew between processes) to VALIDITY_DAYS ahead. */
function validity(): { notBeforeDate: Date; notAfterDate: Date } {
  const day = 24 * 60 * 60 * 1000;
  const now = Date.now();
  return { notBeforeDate: new Date(now - day), notAfterDate: new Date(now + VALIDITY_DAYS * day) };
}
