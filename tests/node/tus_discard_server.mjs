// A "discard" tus endpoint: just enough tus 1.0.0 for tus-js-client, no disk.
// bench/portal.py uploads to it to measure what tus-js-client can send at most
// on this machine (the ceiling any server could reach with this client).
// POST -> 201 + Location, PATCH -> body read and thrown away, 204 + new
// Upload-Offset, HEAD -> offset and length, DELETE -> 204, OPTIONS -> 204.
// Usage: node tus_discard_server.mjs <port>   (listens on 127.0.0.1, path /files/)
import http from "node:http";

const [port] = process.argv.slice(2);
const uploads = new Map(); // id -> { length, offset }
let nextId = 1;

function reply(res, status, headers = {}) {
  res.writeHead(status, { "Tus-Resumable": "1.0.0", ...headers });
  res.end();
}

const server = http.createServer((req, res) => {
  const path = req.url.split("?")[0];
  const id = path.startsWith("/files/") ? path.slice("/files/".length) : "";
  if (req.method === "OPTIONS") {
    return reply(res, 204, { "Tus-Version": "1.0.0", "Tus-Extension": "creation,termination" });
  }
  if (req.method === "POST" && id === "") {
    const length = Number(req.headers["upload-length"]);
    if (!Number.isSafeInteger(length) || length < 0) return reply(res, 400);
    const newId = String(nextId++);
    uploads.set(newId, { length, offset: 0 });
    req.resume();
    return req.on("end", () => reply(res, 201, { Location: `/files/${newId}` }));
  }
  const upload = uploads.get(id);
  if (!upload) {
    req.resume();
    return reply(res, 404);
  }
  if (req.method === "HEAD") {
    return reply(res, 200, { "Upload-Offset": String(upload.offset),
                             "Upload-Length": String(upload.length), "Cache-Control": "no-store" });
  }
  if (req.method === "DELETE") {
    uploads.delete(id);
    return reply(res, 204);
  }
  if (req.method === "PATCH") {
    if (Number(req.headers["upload-offset"]) !== upload.offset) {
      req.resume();
      return reply(res, 409);
    }
    let received = 0;
    req.on("data", (piece) => { received += piece.length; }); // read and discard
    req.on("end", () => {
      upload.offset = Math.min(upload.offset + received, upload.length);
      reply(res, 204, { "Upload-Offset": String(upload.offset) });
    });
    return undefined;
  }
  req.resume();
  return reply(res, 405);
});
server.keepAliveTimeout = 30000;
server.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`listening ${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
