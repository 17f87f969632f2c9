# minewatch user interface, English.
app-name = minewatch
app-tagline = Environmental rights next to mines
skip-to-content = Skip to content
nav-dashboard = Dashboard
nav-communities = Communities
nav-authorities = Authorities
nav-companies = Companies
nav-licences = Licences
nav-observations = Field reports
lang-switch-label = Language
footer-note = Data in this instance is signed and kept in a tamper-evident ledger.

dashboard-title = Dashboard
dashboard-counts = Records
dashboard-latest = Latest changes
dashboard-empty = Nothing recorded yet.
dashboard-report = Report what you saw

kind-workspace = Workspace
kind-organisation = Organisation
kind-community = Community
kind-authority = Authority
kind-company = Company
kind-licence = Licence
kind-observation = Field report

list-search = Search
list-search-button = Find
list-empty = No records found.
list-count = { $count ->
    [one] { $count } record
   *[other] { $count } records
}

detail-fields = Details
detail-linked = Linked records
detail-history = History
detail-history-note = Every change is a signed ledger entry. Corrections never overwrite: earlier versions stay here.
detail-retracted = This record was retracted. It stays in the history.
history-op-put = Created
history-op-correct = Corrected
history-op-retract = Retracted
history-by = by
history-entry = entry
history-changed = Changed fields
history-reason = Reason
author-system = minewatch (system)
author-anonymous = anonymous reporter

field-name = Name
field-pack = Legal pack
field-description = Description
field-workspace_id = Workspace
field-org_type = Type
field-aimag = Aimag
field-soum = Soum
field-bagh = Bagh
field-households = Households
field-centre = Centre
field-contact = Contact person
field-authority_type = Type of authority
field-jurisdiction = Jurisdiction
field-address = Address
field-email = Email
field-phone = Phone
field-registration_number = Registration number
field-parent_id = Parent company
field-number = Licence number
field-licence_type = Licence type
field-holder_id = Holder
field-minerals = Minerals
field-area_ha = Area (ha)
field-granted = Granted
field-expires = Expires
field-status = Status
field-area = Licence area
field-community_id = Community
field-licence_id = Licence
field-observed_on = Date seen
field-category = What was seen
field-place = Place
field-location = Location
field-location_approximate = Location shown approximately
field-reporter = Reporter
field-reason = Reason

value-yes = yes
value-approximate = approximate, to protect the reporter
value-polygon-points = { $count ->
    [one] polygon of { $count } point
   *[other] polygon of { $count } points
}
licence-type-mining = mining
licence-type-exploration = exploration
status-applied = applied
status-granted = granted
status-transferred = transferred
status-suspended = suspended
status-revoked = revoked
status-expired = expired
category-dust = dust
category-water = water pollution
category-livestock = livestock harmed
category-blasting = blasting
category-pasture = pasture damaged or fenced
category-rehabilitation = land not rehabilitated
category-other = other
org-type-cso = civil-society organisation
org-type-coalition = coalition
org-type-community-group = community group
org-type-law-firm = law firm
org-type-other = other

report-title = Report what you saw
report-intro = Describe what you saw near a mine. You do not have to give your name. A name or phone number you give is kept private: it never appears on public pages.
report-location-help = Optional. Public pages show it only rounded to about 10 km.
report-reporter = About you (optional, kept private)
report-choose = — choose —
report-submit = Send report
report-errors = The report was not saved. Please correct:
report-saved = Thank you. The report was saved and signed.
field-lat = Latitude
field-lon = Longitude
field-reporter_name = Your name
field-reporter_phone = Your phone

error-required = This field is required.
error-wrong-type = This value has the wrong form.
error-too-long = This text is too long.
error-control-character = This text contains a control character.
error-bad-id = This is not a valid reference.
error-bad-slug = Use lowercase letters, digits and dashes.
error-bad-email = This is not an email address.
error-bad-licence-number = Expected a licence number like MV-017038 or XV-020112.
error-unknown-value = Choose one of the listed values.
error-out-of-range = This number is outside the allowed range.
error-bad-date = Expected a date as YYYY-MM-DD.
error-bad-location = Give latitude (−90 to 90) and longitude (−180 to 180) in degrees.
error-bad-polygon = This is not a valid polygon.
error-before-start = This date is before the start date.
error-unknown-field = This field is not part of the record.
error-not-object = Expected a record.
error-unknown-reference = The referenced record does not exist.
error-wrong-reference = The referenced record is of the wrong kind.
error-self-reference = A record cannot refer to itself.
error-not-canonical = This value cannot be stored.

page-not-found-title = Page not found
page-not-found-body = There is no page at this address, or the record does not exist.
bad-request-title = Request not understood
conflict-title = Conflict
internal-error-title = Something went wrong
internal-error-body = The error was logged. Nothing was saved from this request.
back-to-dashboard = Back to the dashboard
