using Scarlet.WebHost;

NativeHeap.Configure();
var builder = WebApplication.CreateBuilder(args);
builder.AddScarletHost();
var app = builder.Build();
app.UseScarletHost();
await app.RunAsync();

/// <summary>The web host's entry point (public for <c>WebApplicationFactory&lt;Program&gt;</c>).</summary>
public partial class Program;
