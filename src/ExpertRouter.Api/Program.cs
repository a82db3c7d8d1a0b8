using ExpertRouter.Api;

var app = ExpertRouterApp.Create(args);
await app.RunAsync();
