# Sketch: not built on the development machines (no Docker engine there).
# Build stage: publish the service and fetch llama.cpp's prebuilt libraries from npm.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG LLAMA_PACKAGE=@node-llama-cpp/linux-x64@3.22.1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/ExpertRouter.Api -c Release -o /app
RUN mkdir -p /opt/llama && cd /tmp && npm pack "$LLAMA_PACKAGE" --silent \
    && tar xzf node-llama-cpp-*.tgz && cp -r package/bins/*/. /opt/llama/

FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /app /app
COPY --from=build /opt/llama /opt/llama
ENV ExpertRouter__Llama__LibraryDirectory=/opt/llama \
    ExpertRouter__DataDirectory=/data \
    ExpertRouter__ModelDirectories__0=/models
WORKDIR /app
EXPOSE 8080
ENTRYPOINT ["dotnet", "ExpertRouter.Api.dll", "--urls", "http://0.0.0.0:8080"]
