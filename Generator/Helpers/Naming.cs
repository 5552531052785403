using System.Text;

namespace TypedMail.Generator.Helpers;

/// <summary>Scriban's default member renamer (<c>StandardMemberRenamer</c>): <c>FirstName</c> becomes <c>first_name</c>.</summary>
internal static class Naming
{
    /// <summary>
    /// For each upper-case character: a <c>_</c> when it is not the first character and the previous one was not
    /// upper case, then the character in lower case. <c>HTMLBody</c> becomes <c>htmlbody</c>, <c>UserID</c> <c>user_id</c>.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        var previousUpper = false;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && !previousUpper)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
                previousUpper = true;
            }
            else
            {
                sb.Append(c);
                previousUpper = false;
            }
        }

        return sb.ToString();
    }
}
