# The worker image used by docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm 11.16+ reads package.json's allowScripts (Node 20 ships npm 10, which would run onnxruntime-node's CUDA download).
RUN npm install -g npm@11.19.1 && npm ci --omit=dev
COPY src ./src
COPY tsconfig.json ./
# exec form: SIGTERM from `docker stop` reaches the worker, which drains in-flight chunks.
CMD ["node", "--import", "tsx", "src/worker.ts"]
