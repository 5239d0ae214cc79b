# syntax=docker/dockerfile:1
# Production image: TypeScript compiled to dist/ in a build stage; the runtime stage
# has the production dependencies and compiled JavaScript only (no TypeScript loader).
#   docker build -t support-line .      docker compose up -d

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY prompts/catalogue.json ./prompts/catalogue.json
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 OUTBOX_DIR=/app/data/outbox
WORKDIR /app
# espeak-ng and sox render an announcement's audio for Asterisk when it is posted.
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng sox && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY prompts/catalogue.json ./prompts/catalogue.json
# The outbox journal (writes kept while Postgres is away) lives on a volume at /app/data.
# `support-line …` (the operator's command) runs the compiled CLI: docker compose exec app support-line migrate
RUN mkdir -p /app/data/outbox /app/announcements && chown -R node:node /app/data /app/announcements \
 && printf '#!/bin/sh\nexec node /app/dist/cli/run.js "$@"\n' > /usr/local/bin/support-line \
 && chmod 755 /usr/local/bin/support-line
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
