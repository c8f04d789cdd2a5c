#!/usr/bin/env node
// A second file host that answers as S3 does: s3rver (an S3 implementation from npm) over TLS
// on a loopback port, with one bucket, and a presign service that signs GET links with the
// minio client (AWS Signature Version 4 in the query, as object stores hand out).
//
//   node s3host.js --dir DIR --cert CRT --key KEY --bucket NAME
//
// Prints one JSON line {"port": N, "presign_port": M, "access_key": ..., "secret_key": ...}
// when both listen on 127.0.0.1, then serves until SIGTERM. The presign service answers
//   GET /presign?key=OBJECT_KEY&expires=SECONDS[&date=UNIX_SECONDS]
// with the link as text/plain; date backdates the signature (an expired link). s3rver checks
// a SigV4 link's key and expiry, not its signature; SigV2 signatures it checks (s3host.py
// signs those itself). Requests are logged one line each on stderr by s3rver's logger.
'use strict';

const fs = require('fs');
const http = require('http');
const S3rver = require('s3rver');
const Minio = require('minio');

function arg(name) {
  const i = process.argv.indexOf('--' + name);
  if (i < 0 || i + 1 >= process.argv.length) {
    process.stderr.write('s3host.js: --' + name + ' is required\n');
    process.exit(2);
  }
  return process.argv[i + 1];
}

// s3rver's built-in account
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';

async function main() {
  const bucket = arg('bucket');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: false,
    directory: arg('dir'),
    key: fs.readFileSync(arg('key')),
    cert: fs.readFileSync(arg('cert')),
    configureBuckets: [{ name: bucket }],
    vhostBuckets: false,
  });
  const { port } = await server.run();

  // region given: the client signs without asking the server for the bucket's region
  const client = new Minio.Client({
    endPoint: 'localhost',
    port,
    useSSL: true,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    region: 'us-east-1',
    pathStyle: true,
  });

  const presign = http.createServer(async (req, res) => {
    try {
      const u = new URL(req.url, 'http://127.0.0.1');
      if (u.pathname !== '/presign') throw new Error('unknown path ' + u.pathname);
      const key = u.searchParams.get('key');
      const expires = Number(u.searchParams.get('expires') || '300');
      const date = u.searchParams.get('date');
      const when = date ? new Date(Number(date) * 1000) : new Date();
      const link = await client.presignedGetObject(bucket, key, expires, {}, when);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(link);
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(String(e && e.message ? e.message : e));
    }
  });
  await new Promise((ok) => presign.listen(0, '127.0.0.1', ok));

  process.stdout.write(JSON.stringify({ port, presign_port: presign.address().port,
                                        access_key: ACCESS_KEY, secret_key: SECRET_KEY }) + '\n');
  const stop = () => {
    presign.close();
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write('s3host.js: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
