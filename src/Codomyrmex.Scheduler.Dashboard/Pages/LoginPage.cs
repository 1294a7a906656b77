namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>The sign-in page of a dashboard with an access token: the token is entered once and kept in a cookie.</summary>
internal static class LoginPage
{
    public static string Render(PageContext page, bool wrong)
    {
        return Layout.Render(page, "Sign in", "", html =>
        {
            html.Raw("<form method=\"post\" class=\"login\" id=\"login\" action=\"").Text(page.Base + "/login").Raw("\">");
            page.Antiforgery(html);
            html.Raw("<p>This dashboard needs its access token (printed by <code>schedctl dashboard</code> when it started).</p>");
            if (wrong)
            {
                html.Raw("<p class=\"error\" id=\"login-error\">That token is not right.</p>");
            }

            html.Raw("<label>Token <input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"current-password\" autofocus></label> ");
            html.Raw("<button type=\"submit\" id=\"sign-in\">Sign in</button></form>");
        }, null);
    }
}
