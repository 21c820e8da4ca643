# The worker image used by docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY src ./src
COPY tsconfig.json ./
# exec form: SIGTERM from `docker stop` reaches the worker, which drains in-flight chunks.
CMD ["node", "--import", "tsx", "src/worker.ts"]
