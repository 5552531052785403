using System.Collections.Generic;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace TypedMail.AspNetCore;

/// <summary>Checks the dashboard's options when the application starts; every problem names the setting and its value.</summary>
internal sealed class TypedMailDashboardOptionsValidator : IValidateOptions<TypedMailDashboardOptions>
{
    private const string Policy = nameof(TypedMailDashboardOptions) + "." + nameof(TypedMailDashboardOptions.AuthorizationPolicy);
    private const string Anonymous = nameof(TypedMailDashboardOptions) + "." + nameof(TypedMailDashboardOptions.AllowAnonymous);
    private const string PageSize = nameof(TypedMailDashboardOptions) + "." + nameof(TypedMailDashboardOptions.PageSize);

    private readonly IAuthorizationPolicyProvider? _policies;

    /// <param name="policies">The application's policies, or <see langword="null"/> when it has not called <c>AddAuthorization</c>.</param>
    public TypedMailDashboardOptionsValidator(IAuthorizationPolicyProvider? policies = null) => _policies = policies;

    public ValidateOptionsResult Validate(string? name, TypedMailDashboardOptions options)
    {
        var failures = new List<string>();
        var policy = options.AuthorizationPolicy;
        if (policy is null)
        {
            if (!options.AllowAnonymous)
            {
                failures.Add($"{Policy} is not set. The dashboard can retry, suppress and purge mail: name the authorization policy operators "
                    + $"must satisfy, or set {Anonymous} = true to open it to anyone who can reach it.");
            }
        }
        else if (options.AllowAnonymous)
        {
            failures.Add($"{Policy} is '{policy}' while {Anonymous} is true: set one of them.");
        }
        else if (string.IsNullOrWhiteSpace(policy))
        {
            failures.Add($"{Policy} is '{policy}': name a registered authorization policy.");
        }
        else if (_policies is null)
        {
            failures.Add($"{Policy} is '{policy}', but authorization is not set up: call services.AddAuthorization(o => o.AddPolicy(\"{policy}\", ...)).");
        }
        else if (_policies.GetPolicyAsync(policy).GetAwaiter().GetResult() is null)
        {
            failures.Add($"{Policy} is '{policy}', which is not a registered authorization policy: add it with services.AddAuthorization(o => o.AddPolicy(\"{policy}\", ...)).");
        }

        if (options.PageSize is < 1 or > TypedMailDashboardOptions.MaxPageSize)
        {
            failures.Add($"{PageSize} must be 1 to {TypedMailDashboardOptions.MaxPageSize}, but is {options.PageSize}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
