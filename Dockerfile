# earshot's image: built on Debian 12 with the project's own set-up, run from a slim Debian 12
# with only the runtime libraries, as a non-root user.
#   docker build -t earshot .
#   docker run -p 8000:8000 earshot                  # the API; `worker` runs jobs (Redis needed)
# scripts/test-image builds and runs this file without a Docker engine (buildah, base images
# made by debootstrap); it sets the build arguments below. Unset, they build what Docker Hub's
# Debian images give.

# The base images: any Debian 12 with apt (a debootstrap minbase rootfs is one).
ARG BUILD_BASE=debian:12
ARG RUNTIME_BASE=debian:12-slim

FROM ${BUILD_BASE} AS build
WORKDIR /src
# The packages first, from the set-up script alone: a change to the source keeps this layer.
COPY scripts/setup scripts/
COPY web/package.json web/package-lock.json web/
# The CA file npm trusts, where a proxy re-signs HTTPS (scripts/test-image mounts the host's).
ARG NPM_CONFIG_CAFILE
RUN scripts/setup --build
# More CMake arguments, e.g. -DEARSHOT_WERROR=ON (CI builds with warnings as errors).
ARG EARSHOT_CMAKE_ARGS=
# A ccache directory mounted into the build (`buildah bud -v CACHE:/ccache`) and its size limit;
# empty: no ccache. The build is in /src/build with CCACHE_BASEDIR=/src and LANG=C.UTF-8 (ccache
# keys hold the locale), as scripts/test builds build/ of a clone: they share the cache's entries.
ARG EARSHOT_CCACHE_DIR=
ARG CCACHE_MAXSIZE=5G
COPY . .
RUN if [ -n "$EARSHOT_CCACHE_DIR" ]; then \
      export CCACHE_DIR="$EARSHOT_CCACHE_DIR" CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1 \
        LANG=C.UTF-8; \
    else \
      export CCACHE_DISABLE=1; \
    fi \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEARSHOT_TESTS=OFF \
      -DEARSHOT_BENCH=OFF $EARSHOT_CMAKE_ARGS \
 && cmake --build build --target earshot \
 && cmake --install build --prefix /opt/earshot --strip

FROM ${RUNTIME_BASE} AS runtime
# runtime packages (the libraries bin/earshot links; curl for the health check)
RUN apt-get update && apt-get install -y --no-install-recommends \
      libavformat59 libavcodec59 libavutil57 libswresample4 \
      libebur128-1 libfftw3-single3 libopenblas0-pthread libxgboost0 \
      libspdlog1.10 libhiredis0.14 libssl3 libcurl4 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/earshot earshot \
 && mkdir -p /var/log/earshot && chown earshot /var/log/earshot
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
USER earshot
# The program last: a new build of it changes this layer alone.
COPY --from=build /opt/earshot /opt/earshot
