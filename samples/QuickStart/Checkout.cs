using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using QuickStart.Emails;
using TypedMail;

namespace QuickStart;

/// <summary>Places orders: the order and its confirmation email commit together, or neither does.</summary>
/// <param name="contexts">Creates the shop's contexts.</param>
/// <param name="charge">Charges the order once it is saved; <see langword="false"/> when the payment is declined.</param>
public sealed class Checkout(IDbContextFactory<ShopContext> contexts, Func<Order, bool> charge)
{
    /// <summary>Saves the order and enqueues its confirmation in one transaction, then charges it; a declined payment rolls both back.</summary>
    /// <param name="order">The new order.</param>
    /// <param name="email">The customer's address.</param>
    /// <param name="cancellationToken">Cancels the work; nothing is committed.</param>
    /// <returns><see langword="true"/> when the order was placed; <see langword="false"/> when the payment was declined.</returns>
    public async Task<bool> PlaceOrderAsync(Order order, string email, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Orders.Add(order);
        db.Emails().Enqueue(new OrderConfirmationEmail(order.Customer, order.Number, order.Total), to: email);
        await db.SaveChangesAsync(cancellationToken);
        if (!charge(order))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
