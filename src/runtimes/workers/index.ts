/**
 * eventgate/workers: the gateway on Cloudflare Workers, for your own
 * wrangler.toml. Export the hub Durable Object class, and either use the
 * default Worker (every path is the gateway) or route a path to it from
 * your own Worker with routeToGateway (see main.ts).
 *
 *   # wrangler.toml
 *   compatibility_flags = ["enable_request_signal"]
 *   [[durable_objects.bindings]]
 *   name = "EVENT_HUB"
 *   class_name = "EventHub"
 *   [[migrations]]
 *   tag = "v1"
 *   new_sqlite_classes = ["EventHub"]
 */
export { default, EventHub, routeToGateway, type HubEnv, type RouteOptions } from './main.ts';
