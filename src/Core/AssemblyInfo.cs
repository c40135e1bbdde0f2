namespace Kdumpd.Core;
