// Drive tus-js-client (the reference JavaScript tus client) against a tus server.
//
// Usage: node tus_upload.js '<json options>'
//   endpoint      creation URL (e.g. http://127.0.0.1:8080/uploads/)
//   files         list of file paths, uploaded concurrently
//   token         bearer token (optional)
//   metadata      Upload-Metadata object (optional)
//   chunkSize     bytes per PATCH (optional, default: whole file)
//   uploadUrl     resume this upload URL instead of creating one (single file)
//   exitAfter     exit the process abruptly once this many bytes were sent (single file)
//   terminateAfter  abort with termination (DELETE) after this many bytes (single file)
// Prints one JSON line per event: {"event": "created"|"success"|"terminated"|"error", ...}
"use strict";

const fs = require("fs");
const tus = require("tus-js-client");

const opts = JSON.parse(process.argv[2]);

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function uploadOne(path, index) {
  return new Promise((resolve, reject) => {
    const size = fs.statSync(path).size;
    const started = process.hrtime.bigint();
    let upload = null;
    let stopping = false;
    const options = {
      endpoint: opts.endpoint,
      uploadUrl: opts.uploadUrl || null,
      uploadSize: size,
      metadata: opts.metadata || {},
      headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
      retryDelays: [0, 200, 500, 1000],
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      onUploadUrlAvailable() {
        say({ event: "created", index, url: upload.url });
      },
      onProgress(sent) {
        if (stopping) return;
        if (opts.exitAfter && sent >= opts.exitAfter) {
          stopping = true;
          say({ event: "exiting", index, sent });
          // Abrupt: the connection is cut mid-PATCH, like a crash.
          process.exit(3);
        }
        if (opts.terminateAfter && sent >= opts.terminateAfter) {
          stopping = true;
          upload.abort(true).then(() => {
            say({ event: "terminated", index, url: upload.url });
            resolve();
          }, reject);
        }
      },
      onError(err) {
        reject(err);
      },
      onSuccess() {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        say({ event: "success", index, url: upload.url, bytes: size, seconds });
        resolve();
      },
    };
    if (opts.chunkSize) options.chunkSize = opts.chunkSize;
    upload = new tus.Upload(fs.createReadStream(path), options);
    upload.start();
  });
}

const started = process.hrtime.bigint();
Promise.all(opts.files.map((p, i) => uploadOne(p, i))).then(
  () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    say({ event: "all_done", seconds });
    // A retry timer or a kept-alive socket (e.g. through the test's proxy)
    // can keep Node's event loop alive after success: leave explicitly.
    process.exit(0);
  },
  (err) => {
    say({ event: "error", message: String(err && err.message ? err.message : err) });
    process.exit(1);
  },
);
