// The reference tus server (@tus/server + @tus/file-store) for tests and bench/portal.py.
// Usage: node tus_server.mjs <port> <directory>   (listens on 127.0.0.1, path /files/)
import http from "node:http";
import { Server } from "@tus/server";
import { FileStore } from "@tus/file-store";

const [port, directory] = process.argv.slice(2);
const tus = new Server({ path: "/files", datastore: new FileStore({ directory }) });
const server = http.createServer((req, res) => tus.handle(req, res));
server.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`listening ${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
