using System.Text;

namespace TypedMail.Generator.Helpers;

/// <summary>Scriban's default member renamer: <c>FirstName</c> becomes <c>first_name</c>.</summary>
internal static class Naming
{
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
