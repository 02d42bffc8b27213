# Production image: gunicorn serving the API and the admin SPA; the same image runs the RQ worker and the scheduler.

# Stage 1: the admin SPA (Vite needs Node >= 20.19). The district map reads backend/data/geo at build time.
FROM node:20-bookworm-slim AS admin
WORKDIR /build/admin
COPY admin/package.json admin/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY admin/ ./
COPY backend/data/geo/ /build/backend/data/geo/
RUN npm run build

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_CONFIG=production INSTANCE_PATH=/app/instance

# fonts-wqy-microhei: the CJK TrueType font embedded in every PDF (reportlab cannot embed Noto's OTF).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei libgomp1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt constraints.txt ./
# Same install order as scripts/setup.sh: dlib from dlib-bin, face_recognition without its dlib dependency.
RUN pip install --no-cache-dir "setuptools<81" wheel \
 && pip install --no-cache-dir "setuptools<81" "dlib-bin==20.0.1.post1" "face_recognition_models==0.3.0" numpy pillow click -c constraints.txt \
 && pip install --no-cache-dir --no-deps "face_recognition==1.3.0" \
 && pip install --no-cache-dir -c constraints.txt -r requirements.txt

COPY . .
COPY --from=admin /build/admin/dist /app/admin/dist
RUN useradd --system --uid 10001 --home /app fire \
 && mkdir -p /app/instance/uploads && chown -R fire /app/instance
USER fire

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-", "wsgi:app"]
