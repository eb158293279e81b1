# earshot's image: built on Debian 12 with the project's own set-up, run from a slim Debian 12
# with only the runtime libraries, as a non-root user.
#   docker build -t earshot .
#   docker run -p 8000:8000 earshot                  # the API; `worker` runs jobs (Redis needed)
# scripts/check-install proves the runtime stage's contents without a Docker engine: the
# installed prefix runs with a minimal environment, and every library the program links comes
# from a package listed under "runtime packages" below.

FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/setup \
 && cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEARSHOT_TESTS=OFF \
      -DEARSHOT_BENCH=OFF \
 && cmake --build /build \
 && cmake --install /build --prefix /opt/earshot --strip

FROM debian:12-slim AS runtime
# runtime packages (the libraries bin/earshot links; curl for the health check)
RUN apt-get update && apt-get install -y --no-install-recommends \
      libavformat59 libavcodec59 libavutil57 libswresample4 \
      libebur128-1 libfftw3-single3 libopenblas0-pthread libxgboost0 \
      libspdlog1.10 libhiredis0.14 libssl3 libcurl4 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /opt/earshot /opt/earshot
RUN useradd --system --create-home --home-dir /home/earshot earshot \
 && mkdir -p /var/log/earshot && chown earshot /var/log/earshot
USER earshot
WORKDIR /home/earshot
ENV PATH=/opt/earshot/bin:$PATH \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    LOG_DIR=/var/log/earshot \
    MODELS_CONFIG_PATH=/opt/earshot/share/earshot/config/models.json
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${API_PORT}/health/live" || exit 1
ENTRYPOINT ["earshot"]
CMD ["serve"]
