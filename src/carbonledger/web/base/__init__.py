"""What every page shares, whoever it is for: rendering a template in the visitor's language
(`rendering`), the login and CSRF checks of a page and its forms (`guard`), running a form's
database work in one transaction (`forms`, on `carbonledger.transactions`), and saying a domain
error in the page's language (`errors`). Each audience (citizen, portal, console, public) builds
its pages on these and nothing else."""
