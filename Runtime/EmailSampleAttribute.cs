using System;

namespace TypedMail;

/// <summary>
/// Marks sample data for previews: a static property or parameterless static method on an <c>[Email]</c> record that
/// returns an instance of that record. Each marked member is one named preview, so an email can show several cases.
/// </summary>
/// <example>
/// <code>
/// [Email]
/// public partial record WelcomeEmail(string FirstName, string ProductName)
/// {
///     [EmailSample]
///     public static WelcomeEmail NewCustomer => new("Ada", "Acme");
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class EmailSampleAttribute : Attribute
{
}
