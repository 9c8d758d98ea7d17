"""Names and places the demo draws from: British names as a register of the 2010s would hold them,
Lancashire's neighbourhoods by BCU, and the police forces of England and Wales for the national
profile.
"""

from __future__ import annotations

#: Family names, weighted towards the commonest and towards Lancashire's own (Ashworth, Haworth,
#: Whittaker...), with the South Asian, Irish, Scottish and Polish names of the county's towns.
FAMILY_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Hughes", "Edwards", "Harrison", "Lewis", "Martin", "Turner", "Moore",
    "Parker", "Cooper", "Hill", "Ward", "Morris", "Baker", "Wilkinson", "Holt", "Ashworth",
    "Whittaker", "Haworth", "Hargreaves", "Pilling", "Greenwood", "Duckworth", "Kenyon",
    "Entwistle", "Sutcliffe", "Crossley", "Nuttall", "Riley", "Lord", "Barnes", "Fletcher", "Shaw",
    "Heywood", "Rawcliffe", "Singleton", "Cookson", "Parkinson", "Bradshaw", "Howarth", "Livesey",
    "Marsden", "Catterall", "Fisher", "Kay", "Dawson", "Holden", "Mitchell", "Chapman", "Cross",
    "Tomlinson", "Atkinson", "Hodgson", "Dixon", "Booth", "Birtwistle", "Pickup", "Halstead",
    "Hussain", "Khan", "Patel", "Ahmed", "Ali", "Akhtar", "Mahmood", "Iqbal", "Rashid", "Shah",
    "Murphy", "Kelly", "O'Brien", "Gallagher", "Doyle", "McDonald", "Campbell", "Stewart",
    "Kowalski", "Nowak", "Lancaster", "Preston", "Bamber", "Cartmell", "Sharples", "Swarbrick",
)

MALE_GIVEN_NAMES: tuple[str, ...] = (
    "John", "David", "Michael", "Paul", "Mark", "Andrew", "Peter", "Stephen", "Robert", "Ian",
    "Christopher", "Gary", "Kevin", "Anthony", "James", "Richard", "Steven", "Darren", "Lee",
    "Craig", "Wayne", "Jason", "Daniel", "Matthew", "Thomas", "Ryan", "Jamie", "Adam", "Liam",
    "Carl", "Dean", "Neil", "Simon", "Martin", "Alan", "Brian", "Keith", "Graham", "Philip",
    "Stuart", "Sean", "Scott", "Shaun", "Jonathan", "Nicholas", "Joseph", "Callum", "Jordan",
    "Kieran", "Bradley", "Connor", "Jack", "Kenneth", "Raymond", "Derek", "Terence", "Barry",
    "Colin", "Trevor", "Dennis", "Mohammed", "Imran", "Tariq", "Asif", "Zahid", "Kamran",
    "Piotr", "Tomasz", "Patrick", "Declan",
)

FEMALE_GIVEN_NAMES: tuple[str, ...] = (
    "Susan", "Karen", "Julie", "Sarah", "Michelle", "Lisa", "Donna", "Tracey", "Joanne", "Nicola",
    "Emma", "Claire", "Amanda", "Rachel", "Kelly", "Gemma", "Laura", "Samantha", "Jennifer",
    "Margaret", "Helen", "Deborah", "Louise", "Natalie", "Stacey", "Jade", "Nasreen", "Shabana",
)

#: Middle names, added to some given names ("Paul Anthony").
MIDDLE_NAMES: tuple[str, ...] = (
    "John", "James", "Anthony", "David", "Michael", "Paul", "Lee", "Edward", "William", "Thomas",
    "Peter", "George", "Alan", "Robert", "Joseph",
)

#: Lancashire's three BCUs (2017) and the towns and neighbourhoods each covers.
LANCASHIRE_NEIGHBOURHOODS: dict[str, tuple[str, ...]] = {
    "East": (
        "Blackburn", "Burnley", "Accrington", "Nelson", "Colne", "Darwen", "Rawtenstall",
        "Clitheroe", "Haslingden", "Padiham", "Great Harwood", "Bacup", "Barnoldswick",
    ),
    "South": (
        "Preston", "Chorley", "Leyland", "Ormskirk", "Skelmersdale", "Penwortham", "Longridge",
        "Bamber Bridge", "Fulwood", "Ribbleton", "Adlington", "Burscough",
    ),
    "West": (
        "Blackpool", "Lancaster", "Morecambe", "Fleetwood", "Lytham St Annes", "Thornton-Cleveleys",
        "Poulton-le-Fylde", "Kirkham", "Carnforth", "Garstang", "Heysham", "Bispham",
    ),
}

#: The 43 territorial police forces of England and Wales: the national profile's "BCUs".
POLICE_FORCES: tuple[str, ...] = (
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London",
    "Cleveland", "Cumbria", "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Dyfed-Powys",
    "Essex", "Gloucestershire", "Greater Manchester", "Gwent", "Hampshire", "Hertfordshire",
    "Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside",
    "Metropolitan", "Norfolk", "North Wales", "North Yorkshire", "Northamptonshire",
    "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire", "Staffordshire",
    "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire", "West Mercia",
    "West Midlands", "West Yorkshire", "Wiltshire",
)

#: Rough relative size of each force's register (the Metropolitan and the big metropolitan
#: forces hold far more RSOs than City of London), in the order of ``POLICE_FORCES``.
POLICE_FORCE_WEIGHTS: tuple[float, ...] = (
    3.0, 1.2, 1.5, 2.0, 0.1, 1.2, 1.0, 2.0, 3.2, 1.4, 1.2, 1.0, 3.0, 1.1, 5.5, 1.0, 3.4, 2.0,
    1.8, 3.5, 3.0, 1.9, 1.4, 2.8, 12.0, 1.7, 1.4, 1.6, 1.4, 2.6, 2.1, 2.6, 2.5, 2.1, 1.4, 1.8,
    3.0, 4.4, 1.0, 2.5, 5.0, 4.6, 1.3,
)

#: Compass districts, the national profile's neighbourhoods within a force.
DISTRICTS: tuple[str, ...] = ("North", "South", "East", "West", "Central", "City")

#: Reasons an RSO carries their own visit interval (their risk management plan says so).
OWN_INTERVAL_REASONS_SHORTER: tuple[str, ...] = (
    "Risk management plan: monthly contact while on licence",
    "MAPPA level 2: increased contact agreed",
    "Approved premises resident: contact as plan",
    "New relationship with a partner with children: closer contact",
)
OWN_INTERVAL_REASONS_LONGER: tuple[str, ...] = (
    "Risk management plan review: stable, reduced contact agreed",
    "Long-term stable address and employment: RMP review",
    "Elderly and in residential care: reduced contact agreed",
)
