using System.Text.Json;
using Scarlet.Retail.Events;

namespace Scarlet.WebHost.Live;

/// <summary>
/// Forwards the event stream to <c>/ws/dashboard</c> (<c>{type, data, timestamp}</c>), counts events per type, and sends
/// statistics every few seconds. Per-frame tracking input is not forwarded (that is <c>/ws/tracking</c>'s job).
/// </summary>
internal sealed class DashboardFeed(ScarletEventStream stream, LiveHubs hubs, IServiceProvider services, LivePeople people, ILogger<DashboardFeed> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var sub = stream.Subscribe(OnEvent);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (hubs.Dashboard.ClientCount == 0)
                {
                    continue;
                }

                try
                {
                    // Each organisation with a dashboard open gets its own figures.
                    foreach (var org in hubs.Dashboard.Organizations)
                    {
                        var stats = await Api.AdminApi.BuildStatsAsync(services.GetRequiredService<Api.HostContext>(), org, hubs, services.GetRequiredService<CameraManager>(), people, stoppingToken);
                        hubs.Dashboard.Publish(org, JsonSerializer.SerializeToUtf8Bytes(new DashboardStatsMessage(stats, DateTimeOffset.UtcNow), LiveJson.Default.DashboardStatsMessage));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Dashboard statistics failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnEvent(ScarletEvent evt)
    {
        var type = evt switch
        {
            ActionEvent => "action",
            CustomerIdentifiedEvent => "customer_identified",
            RecognitionEvent => "detection",
            PromotionShownEvent => "promotion",
            AlertRaisedEvent => "alert",
            AlertAcknowledgedEvent => "alert_acknowledged",
            VisitStartedEvent => "visit_started",
            VisitCompletedEvent => "visit_completed",
            CustomerRegisteredEvent => "customer_registered",
            CustomerErasedEvent => "customer_erased",
            PossibleDuplicateFlaggedEvent => "possible_duplicate",
            CustomersMergedEvent => "customers_merged",
            PersonEnteredStoreEvent or PersonExitedStoreEvent or ZoneEnteredEvent or ZoneExitedEvent => null,
            CameraZonesChangedEvent or AlertRuleChangedEvent => null, // configuration, for the hosts: in the log, not the feed
            _ => "event",
        };
        HostMetrics.Events.Add(1, HostMetrics.Tag("type", evt.GetType().Name), HostMetrics.Tag("topic", evt.Topic));
        if (type is null || hubs.Dashboard.ClientCount == 0)
        {
            return;
        }

        try
        {
            hubs.Dashboard.Publish(evt.OrganizationId, LiveJson.DashboardEvent(type, evt));
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            logger.LogWarning(ex, "Could not forward {Type}", evt.GetType().Name);
        }
    }
}
