using System.CommandLine;
using static Scarlet.Samples.CommandLine.CliOptions;

namespace Scarlet.PosPlugin;

/// <summary>
/// The command tree of <c>scarlet-pos</c> on System.CommandLine: global <c>--db</c>/<c>--org</c> (before or after the
/// verb), then <c>enroll</c>, <c>checkout</c>, <c>product add</c> or <c>promo add</c> with their typed options.
/// </summary>
internal static class PosCli
{
    public static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("Scarlet point-of-sale plug-in: enrol customers, check out at the till, manage the catalogue. Prints one JSON object.");
        var db = Text("db", "the SQLite database file (created if missing)", required: true);
        db.Recursive = true;
        root.Options.Add(db);
        var org = Text("org", "the store/organisation (default 'default')");
        org.Recursive = true;
        root.Options.Add(org);

        root.Subcommands.Add(Verb("enroll", "Enrol a customer from a photo.", output,
            Text("name", "the customer's name", required: true), Text("email", "e-mail address"), Text("photo", "photo of the customer", required: true),
            Text("consent-by", "who recorded the consent (default pos-operator)")));
        root.Subcommands.Add(Verb("checkout", "Identify the customer at the till, show promotions and recommendations, record purchases.", output,
            Text("photo", "the till camera's frame", required: true), Text("zone", "the zone of the till"), Many("buy", "SKU or SKU=price (several values or repeated)", severalPerWord: true)));

        var product = new Command("product", "The product catalogue.");
        product.Subcommands.Add(Verb("add", "Add or update a product.", output,
            Text("sku", "product id", required: true), Text("name", "product name", required: true), Text("category", "category", required: true), Many("zone", "zones where it is sold", severalPerWord: true)));
        root.Subcommands.Add(product);

        var promo = new Command("promo", "Promotions.");
        promo.Subcommands.Add(Verb("add", "Create a promotion.", output,
            Text("title", "title", required: true), Text("discount", "e.g. 10%", required: true), Text("description", "description"),
            Text("tier", "all, bronze, silver, gold or platinum"), Many("zone", "zones where it applies", severalPerWord: true),
            Whole("days", "days it is valid (default 30)"), Whole("priority", "priority (default 0)")));
        root.Subcommands.Add(promo);
        return root;
    }

    private static Command Verb(string name, string description, TextWriter output, params Option[] options)
    {
        var command = new Command(name, description);
        foreach (var o in options)
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => PosApp.RunAsync(new CliArgs(parse), output));
        return command;
    }
}
