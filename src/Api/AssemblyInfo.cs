namespace Kdumpd.Api;
