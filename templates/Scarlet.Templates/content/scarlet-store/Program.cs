using ScarletStore;

var builder = WebApplication.CreateBuilder(args);
builder.AddStore();
var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapStoreApi();
await app.RunAsync();
